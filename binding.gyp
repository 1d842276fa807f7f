{
  "targets": [
    {
      "target_name": "packet_socket",
      "sources": ["native/packet_socket.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    },
    {
      "target_name": "process_exec",
      "sources": ["native/process_exec.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
