################################################################################
#
# sipslb
#
################################################################################

# The repository itself is the source: image/br2-external/../.. is its root.
SIPSLB_VERSION = local
SIPSLB_SITE = $(BR2_EXTERNAL_SIPSLB_PATH)/../..
SIPSLB_SITE_METHOD = local
SIPSLB_LICENSE = Proprietary
SIPSLB_GOMOD = sipslb
# The main package is the repository root (main.go).
SIPSLB_BUILD_TARGETS = .
SIPSLB_BIN_NAME = sipslb
SIPSLB_LDFLAGS = -s -w -X main.version=$(SIPSLB_VERSION)-buildroot
SIPSLB_GO_ENV = CGO_ENABLED=0

# golang-package installs the binary to /usr/bin; the units in rootfs/ start
# /usr/sbin/sipslb, as the Debian-based image does.
define SIPSLB_INSTALL_SBIN
	mkdir -p $(TARGET_DIR)/usr/sbin
	mv -f $(TARGET_DIR)/usr/bin/sipslb $(TARGET_DIR)/usr/sbin/sipslb
endef
SIPSLB_POST_INSTALL_TARGET_HOOKS += SIPSLB_INSTALL_SBIN

$(eval $(golang-package))
