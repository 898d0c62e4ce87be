# Builds the addon: the C core, compiled straight from the repository's
# src/ (or from core/, the copy `npm pack` ships), plus the N-API glue in
# src/. The core's own Makefile flags are kept: C11, POSIX 2008, -O2 (the
# CLI's level, so that Node-vs-CLI timings compare like with like), and
# warnings as errors. SIMD kernels use function-level target attributes,
# so nothing here needs -march; the binary runs on any x86-64.
{
  "variables": {
    "sanitize%": "<!(node -p \"process.env.RUVECTOR_SANITIZE || ''\")",
    "core%": "<!(node -p \"require('fs').existsSync(require('path').join(process.cwd(), 'core', 'include', 'ruvector.h')) ? 'core' : '..'\")"
  },
  "targets": [
    {
      "target_name": "ruvector",
      "sources": [
        "src/addon.c",
        "src/args.c",
        "src/work.c",
        "src/lane.c",
        "<(core)/src/ruvector.c",
        "<(core)/src/util/alloc.c",
        "<(core)/src/util/error.c",
        "<(core)/src/util/utf8.c",
        "<(core)/src/platform/platform_posix.c",
        "<(core)/src/platform/vfs_posix.c",
        "<(core)/src/kernels/cpu.c",
        "<(core)/src/kernels/crc32c.c",
        "<(core)/src/kernels/dispatch.c",
        "<(core)/src/kernels/f32_serial.c",
        "<(core)/src/kernels/f32_avx2.c",
        "<(core)/src/kernels/f32_avx512.c",
        "<(core)/src/kernels/f32_neon.c",
        "<(core)/src/kernels/f32_wasm.c",
        "<(core)/src/index/index.c",
        "<(core)/src/index/flat.c",
        "<(core)/src/index/hnsw_insert.c",
        "<(core)/src/index/hnsw_search.c",
        "<(core)/src/index/hnsw_repair.c",
        "<(core)/src/index/hnsw_reorder.c",
        "<(core)/src/index/hnsw_check.c",
        "<(core)/src/collection/idmap.c",
        "<(core)/src/collection/collection.c",
        "<(core)/src/collection/db.c",
        "<(core)/src/collection/persist.c",
        "<(core)/src/io/vecs_file.c",
        "<(core)/src/storage/files.c",
        "<(core)/src/storage/segment.c",
        "<(core)/src/storage/wal.c"
      ],
      "include_dirs": ["<(core)/include"],
      "defines": ["NAPI_VERSION=8", "_POSIX_C_SOURCE=200809L"],
      "cflags!": ["-O3", "-Wno-unused-parameter"],
      "cflags": ["-O2", "-g", "-fvisibility=hidden", "-fno-semantic-interposition"],
      "cflags_c": ["-std=c11", "-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wstrict-prototypes"],
      "ldflags": ["-pthread"],
      "libraries": ["-lm"],
      "conditions": [
        ["sanitize!=''", {
          "cflags": ["-fsanitize=<(sanitize)", "-fno-omit-frame-pointer"],
          "ldflags": ["-fsanitize=<(sanitize)"]
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_C_LANGUAGE_STANDARD": "c11",
            "GCC_OPTIMIZATION_LEVEL": "2",
            "OTHER_CFLAGS": ["-Wall", "-Wextra", "-Werror"]
          }
        }]
      ]
    }
  ]
}
