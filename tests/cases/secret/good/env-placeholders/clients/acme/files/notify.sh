#!/bin/sh
# 告警推送：令牌从环境变量读取
token=${DINGTALK_TOKEN}
password="${DB_PASSWORD}"
