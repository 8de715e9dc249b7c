;; Runs code at instantiation through a start section instead of _start.
(module
  (memory (export "memory") 1)
  (func $init)
  (start $init)
  (func (export "_start")))
