# SPDX-License-Identifier: GPL-2.0-only
#
#   make help           the targets and variables: the comment at the top
#                       of the Makefile and of each mk/*.mk fragment, so
#                       that it says what they say

.PHONY: help

help:
	@for f in Makefile mk/*.mk; do \
		printf '%s:\n' "$$f"; \
		awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' $$f | \
			sed -e '/./,$$!d' -e 's/^/  /'; \
		echo; \
	done
