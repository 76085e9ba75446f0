/** Placeholder: reference kernels for conv ops. @module */
export {};
