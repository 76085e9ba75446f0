/** Placeholder: filled in by the indexing ops work. @module */
export {};
