/** Placeholder: reference kernels for norm ops. @module */
export {};
