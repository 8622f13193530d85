# SPDX-License-Identifier: GPL-2.0-only
#
# Documentation/ (included by the top Makefile).
#   make htmldocs     HTML in build/htmldocs with Sphinx: installs
#                     python3-sphinx when missing (scripts/deps; as root,
#                     else it names the package).  make check needs no
#                     Sphinx.
#   make check-docs   every .rst parses (docutils), and the documents cover
#                     every ioctl, struct, flag, errno, module parameter and
#                     man page (TAP; run by make check)

CHECK_EXTRA += check-docs

.PHONY: htmldocs check-docs

htmldocs:
	@scripts/deps python3-sphinx
	sphinx-build -q -W -b html Documentation build/htmldocs
	@echo "htmldocs: build/htmldocs/index.html"

check-docs:
	@Documentation/check-docs
