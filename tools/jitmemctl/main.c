// SPDX-License-Identifier: GPL-2.0-only
/*
 * jitmemctl: show the counters, contexts and code events of the jitmem
 * module through its generic netlink family.  See jitmemctl(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "jitmemctl.h"

#ifndef JITMEMCTL_VERSION
#define JITMEMCTL_VERSION "0.1"
#endif

const char *jm_prog = "jitmemctl";

static const struct jm_command {
	const char *name;
	int (*run)(const struct jm_opts *o);
	const char *help;
} jm_commands[] = {
	{ "stats", jm_cmd_stats, "module-wide counters" },
	{ "ps", jm_cmd_ps, "open contexts and their counters" },
	{ "segments", jm_cmd_segments, "live segments, with the hash of code" },
	{ "monitor", jm_cmd_monitor, "print events until interrupted" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: %s [-j] COMMAND [OPTIONS]\n"
		"\n"
		"Commands:\n", jm_prog);
	for (i = 0; i < sizeof(jm_commands) / sizeof(jm_commands[0]); i++)
		fprintf(f, "  %-9s %s\n", jm_commands[i].name,
			jm_commands[i].help);
	fprintf(f,
		"\n"
		"Options:\n"
		"  -j, --json        JSON output (monitor: one object per line)\n"
		"  -p, --pid PID     ps, segments: only the contexts of process PID\n"
		"  -c, --count N     monitor: exit after N events\n"
		"  -h, --help        this help\n"
		"  -V, --version     print the version\n");
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || *out > max)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pid", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct jm_opts o = { 0 };
	unsigned long v;
	size_t i;
	int c;

	/* Options may come before or after the command, as in ip(8). */
	while ((c = getopt_long(argc, argv, "jp:c:hV", lopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'p':
			if (parse_ulong(optarg, UINT32_MAX, &v) || !v) {
				fprintf(stderr, "%s: bad pid '%s'\n", jm_prog,
					optarg);
				return 2;
			}
			o.pid = (uint32_t)v;
			break;
		case 'c':
			if (parse_ulong(optarg, ~0UL, &v) || !v) {
				fprintf(stderr, "%s: bad count '%s'\n", jm_prog,
					optarg);
				return 2;
			}
			o.count = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("%s %s\n", jm_prog, JITMEMCTL_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < sizeof(jm_commands) / sizeof(jm_commands[0]); i++)
		if (!strcmp(argv[optind], jm_commands[i].name))
			return jm_commands[i].run(&o) ? 1 : 0;
	fprintf(stderr, "%s: unknown command '%s'\n", jm_prog, argv[optind]);
	usage(stderr);
	return 2;
}
