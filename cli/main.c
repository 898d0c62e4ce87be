/*
 * main.c: the ruvector command-line tool: dispatch to commands, and the
 * `version` command.
 */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"version", cmd_version, "print the version and the SIMD instruction set in use"},
	{"bench", cmd_bench, "build an index from fvecs files and measure recall, QPS and latency"},
	{"create", cmd_create, "create a collection (and the database directory if needed)"},
	{"import", cmd_import, "insert the records of a JSON Lines, fvecs or .npy file, printing 'acked N' as they become durable"},
	{"export", cmd_export, "write a collection's records to a JSON Lines (or fvecs) file"},
	{"count", cmd_count, "print the number of vectors in a collection"},
	{"search", cmd_search, "print the k nearest ids and distances for each query vector"},
	{"inspect", cmd_inspect, "embedding-quality report: duplicates, hubness, intrinsic dimension, spectrum, H0"},
	{"calibrate", cmd_calibrate, "store a conformal (--alpha) or target-recall calibration with a collection"},
	{"delete", cmd_delete, "delete vectors by id"},
	{"payload", cmd_payload, "print or set a record's payload (JSON)"},
	{"index", cmd_index, "index a payload field (keyword, numeric, text)"},
	{"text-search", cmd_text_search, "BM25 search over the text index"},
	{"hyperedge", cmd_hyperedge, "print, write or delete a hyperedge: 2..256 records tied into one fact"},
	{"hyper-search", cmd_hyper_search, "the hyperedges nearest an embedding, valid now (or in a window)"},
	{"khop", cmd_khop, "the records within k hops of a record through hyperedges"},
	{"path", cmd_path, "the most confident path between two records through hyperedges"},
	{"hyper-buckets", cmd_hyper_buckets, "count hyperedges per UTC day, ISO week or month"},
	{"compact", cmd_compact, "reclaim the space of deleted vectors"},
	{"check", cmd_check, "verify every checksum and graph of a database"},
	{"repair", cmd_repair, "discard a damaged log tail, saying what it drops (--yes)"},
	{"backup", cmd_backup, "copy a database consistently while it is in use"},
	{"info", cmd_info, "list collections: counts, sizes, format version"},
	{"serve", cmd_serve, "serve a database over HTTP with Qdrant's REST API"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ruvector <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nrun 'ruvector <command> --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("ruvector %s\n", rv_version(NULL, NULL, NULL));
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "ruvector: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}

int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const char *env = getenv("RUVECTOR_ISA");
	printf("ruvector %s\n", rv_version(NULL, NULL, NULL));
	const char *extras = rv_isa_features();
	printf("isa: %s%s%s%s\n", rv_isa(), *extras ? " (" : "", extras, *extras ? ")" : "");
	printf("isa limit (RUVECTOR_ISA): %s\n", env && *env ? env : "none");
	return EXIT_OK;
}
