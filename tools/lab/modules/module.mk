# SPDX-License-Identifier: GPL-2.0-only
# The Makefile of every lab module includes this.  The lab builds the
# modules for the booted kernel by itself (tools/lab/modules/build.sh,
# called by boot.sh).  By hand, in a module's directory, against a built
# tree:
#   make KSRC=<source> KOUT=<objects>
# Kbuild reads the module's ./Kbuild, so this is only the wrapper.  A tree
# built with "make bzImage" has no Module.symvers: vmlinux.symvers stands
# in.
KSRC ?= $(HOME)/.cache/xenbus-lab/src/linux-source-6.12
KOUT ?= $(HOME)/.cache/xenbus-lab/out-stock

all:
	$(MAKE) -C $(KSRC) O=$(KOUT) M=$(CURDIR) \
		KBUILD_EXTRA_SYMBOLS=$(KOUT)/vmlinux.symvers modules

clean:
	$(MAKE) -C $(KSRC) O=$(KOUT) M=$(CURDIR) clean

.PHONY: all clean
