/** Placeholder: reference kernels for matmul ops. @module */
export {};
