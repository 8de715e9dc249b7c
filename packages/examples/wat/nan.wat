;; Computes with NaNs that carry payloads and writes the raw bits of the results (4 + 8 bytes).
;; Engines may return any NaN payload here; Agora's runtime must always give the canonical NaN.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (f32.store (i32.const 100) (f32.add (f32.reinterpret_i32 (i32.const 0xffa00001)) (f32.const 1)))
    (f64.store (i32.const 104) (f64.mul (f64.reinterpret_i64 (i64.const 0xfff4000000000001)) (f64.const 2)))
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 12))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
