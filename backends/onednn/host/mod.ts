/** Registers every host (specialised TypeScript) kernel of the onednn-cpu backend. @module */
