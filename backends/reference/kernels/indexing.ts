/** Placeholder: reference kernels for indexing ops. @module */
export {};
