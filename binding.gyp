# The native engine addon (recoder_engine.node). Built by scripts/build-native.mjs,
# which probes for a C++ compiler, CBLAS headers and libraries and OpenMP, and
# passes what it found as the variables below (node-gyp turns --name=value
# options into gyp variables). -march=native is safe here because the addon is
# always compiled on the machine that runs it.
{
  "variables": {
    "recoder_blas_include_dirs%": "",
    "recoder_blas_libraries%": "-lopenblas",
    "recoder_blas_defines%": "RECODER_OPENBLAS",
    "recoder_openmp_flags%": "-fopenmp"
  },
  "targets": [
    {
      "target_name": "recoder_engine",
      "sources": [
        "native/addon.cc",
        "native/products.cc",
        "native/pointwise.cc",
        "native/top_k.cc",
        "native/linalg.cc",
        "native/gru.cc",
        # Sequence models: attention
        "native/attention.cc",
        # The thread count that follows the free cores
        "native/usable_threads.cc"
      ],
      "include_dirs": ["<@(recoder_blas_include_dirs)"],
      "defines": ["<@(recoder_blas_defines)"],
      "libraries": ["<@(recoder_blas_libraries)", "<@(recoder_openmp_flags)"],
      "cflags_cc!": ["-fno-exceptions", "-O2", "-O3", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fno-math-errno", "-fexceptions", "-Wno-unknown-pragmas", "<@(recoder_openmp_flags)"],
      "cflags!": ["-O2"],
      "ldflags": ["<@(recoder_openmp_flags)"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3", "-march=native", "-fno-math-errno", "<@(recoder_openmp_flags)"]
      }
    }
  ]
}
