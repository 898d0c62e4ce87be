/*
 * fuzz_hyper.c: libFuzzer target for the hypergraph's log frames
 * (FRAME_HEDGE_PUT and FRAME_HEDGE_DEL, persist.h): their replay, the
 * delete rule applied by record deletes around them, and every hyperedge
 * read and write on what they left (fuzz_common.h, fuzz_hyper_reads and
 * fuzz_exercise).
 *
 * The harness is fuzz_wal.c's (the input is a log file; each run writes it
 * over both collections' log, checks, opens, uses and closes them, then
 * again with its checksums recomputed so that frames reach the parser);
 * what differs is the seed corpus: corpus/hyper/, logs of records and
 * hyperedge frames (make_corpus.c), which steer the fuzzer into frames 10
 * and 11 from the first run.
 *
 * Build and run: sh tests/fuzz/run.sh [seconds] hyper
 */
#include "fuzz_wal.c"
