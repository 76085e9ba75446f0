/** Placeholder: filled in by the norm ops work. @module */
export {};
