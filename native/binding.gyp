{
  "targets": [
    {
      "target_name": "v2meow_torch",
      "sources": [
        "src/addon.cc",
        "src/tensor.cc",
        "src/ops_math.cc",
        "src/ops_nn.cc",
        "src/optim.cc",
        "src/ops_fused.cc",
        "src/allocator.cc",
        "src/distributed.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node libtorch-config.cjs include)"
      ],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "<!@(node libtorch-config.cjs cflags)", "<!@(node libtorch-config.cjs dist-cflags)"],
      "libraries": ["<!@(node libtorch-config.cjs libs)"]
    }
  ]
}
