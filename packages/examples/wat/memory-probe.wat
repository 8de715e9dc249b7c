;; Prints the 4 bytes at address 2048 as they are when the app starts, then scribbles over them.
;; Every run must print zeros: memory from an earlier run never leaks into the next.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 2048))
    (i32.store (i32.const 4) (i32.const 4))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 2048) (i32.const 0xdeadbeef))))
