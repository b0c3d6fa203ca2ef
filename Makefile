# SPDX-License-Identifier: GPL-2.0-only
obj-y	+= xenbus.o
obj-y	+= xenbus_dev_frontend.o

xenbus-y := xenbus_proto.o xenbus_comms.o xenbus_xs.o xenbus_client.o xenbus_probe.o
xenbus-$(CONFIG_XEN_BACKEND) += xenbus_probe_backend.o
obj-$(CONFIG_XEN_BACKEND) += xenbus_dev_backend.o

obj-$(CONFIG_XEN_XENBUS_FRONTEND) += xenbus_probe_frontend.o

obj-$(CONFIG_XENBUS_KUNIT_TEST) += kunit/
