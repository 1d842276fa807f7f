{
  "targets": [
    {
      "target_name": "packet_socket",
      "sources": ["native/packet_socket.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2", "-D_FORTIFY_SOURCE=2"],
      "ldflags": ["-Wl,-z,relro,-z,now"],
      "defines": ["NAPI_VERSION=8"]
    },
    {
      "target_name": "process_exec",
      "sources": ["native/process_exec.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2", "-D_FORTIFY_SOURCE=2"],
      "ldflags": ["-Wl,-z,relro,-z,now"],
      "defines": ["NAPI_VERSION=8"]
    },
    {
      "target_name": "link_events",
      "sources": ["native/link_events.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    },
    {
      "target_name": "raw_fd",
      "sources": ["native/raw_fd.c", "native/batch_receive.c", "native/advert_repeater.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    },
    {
      "target_name": "advert_socket6",
      "sources": ["native/advert_socket6.c", "native/batch_receive.c", "native/advert_repeater.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2", "-D_FORTIFY_SOURCE=2"],
      "ldflags": ["-Wl,-z,relro,-z,now"],
      "defines": ["NAPI_VERSION=8"]
    },
    {
      "target_name": "nowait_send",
      "sources": ["native/nowait_send.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2", "-D_FORTIFY_SOURCE=2"],
      "ldflags": ["-Wl,-z,relro,-z,now"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
