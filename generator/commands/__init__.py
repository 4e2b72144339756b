"""The ``kb`` commands, one module per verb; ``generator.cli`` assembles them."""
