;; Uses a v128 instruction: SIMD is not run by the deterministic runtime.
(module
  (memory (export "memory") 1)
  (func (export "_start") (drop (i32x4.splat (i32.const 1)))))
