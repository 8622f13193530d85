# SPDX-License-Identifier: GPL-2.0-only
#
# Documentation/ (included by the top Makefile).
#   make htmldocs     HTML in build/htmldocs, when sphinx-build is installed
#                     (python3-sphinx; not needed otherwise)
#   make check-docs   every .rst parses (docutils), and the documents cover
#                     every ioctl, struct, flag, errno, module parameter and
#                     man page (TAP; run by make check)

CHECK_EXTRA += check-docs

.PHONY: htmldocs check-docs

htmldocs:
	@command -v sphinx-build > /dev/null || { \
		echo "htmldocs: sphinx-build is not installed (apt-get install python3-sphinx)" >&2; \
		exit 1; }
	sphinx-build -q -W -b html Documentation build/htmldocs
	@echo "htmldocs: build/htmldocs/index.html"

check-docs:
	@Documentation/check-docs
