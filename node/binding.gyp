# Builds the addon: the C core, compiled straight from the repository's
# src/ (or from core/, the copy `npm pack` ships), plus the N-API glue in
# src/. scripts/sources.js lists the core's sources (every .c under
# <core>/src, as the core's Makefile compiles). The core's own Makefile
# flags are kept: C11, POSIX 2008, -O2 (the CLI's level, so that Node-vs-CLI
# timings compare like with like), and warnings as errors. SIMD kernels use function-level target attributes,
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
        "src/base.c",
        "src/calib.c",
        "src/coll.c",
        "src/db.c",
        "src/hyper.c",
        "src/job.c",
        "src/lane.c",
        "src/payload.c",
        "src/search.c",
        "src/work.c",
        "src/write.c",
        "<!@(node scripts/sources.js <(core))"
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
