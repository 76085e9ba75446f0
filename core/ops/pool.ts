/** Placeholder: filled in by the pool ops work. @module */
export {};
