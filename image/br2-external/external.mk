include $(sort $(wildcard $(BR2_EXTERNAL_SIPSLB_PATH)/package/*/*.mk))
