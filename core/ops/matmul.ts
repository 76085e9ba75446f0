/** Placeholder: filled in by the matmul ops work. @module */
export {};
