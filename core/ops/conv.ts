/** Placeholder: filled in by the conv ops work. @module */
export {};
