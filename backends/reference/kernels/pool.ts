/** Placeholder: reference kernels for pool ops. @module */
export {};
