// SPDX-License-Identifier: GPL-2.0-only
/*
 * Output helpers shared by the commands: JSON strings, hex, protections.
 */
#include <inttypes.h>

#include <linux/jitmem.h>

#include "jitmemctl.h"

/* A JSON string; command names are bytes, escape all but printable ASCII. */
void jm_json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void jm_hex(FILE *f, const uint8_t *p, size_t n)
{
	while (n--)
		fprintf(f, "%02x", *p++);
}

/* "r", "rw" or "rx": the module never maps W+X or W without R. */
const char *jm_prot_name(uint32_t group)
{
	switch (group & (JITMEM_GROUP_R | JITMEM_GROUP_W | JITMEM_GROUP_X)) {
	case JITMEM_GROUP_R:
		return "r";
	case JITMEM_GROUP_R | JITMEM_GROUP_W:
		return "rw";
	case JITMEM_GROUP_R | JITMEM_GROUP_X:
		return "rx";
	default:
		return "?";
	}
}

/* Bytes in the largest binary unit that divides them exactly. */
const char *jm_human_size(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	int i = -1;

	while (v && !(v & 1023) && i < 5) {
		v >>= 10;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%" PRIu64, v);
	else
		snprintf(buf, len, "%" PRIu64 "%ci", v, units[i]);
	return buf;
}
