/** Registers every host (specialised TypeScript) kernel of the onednn-cpu backend. @module */
import "./elementwise.ts";
import "./movement.ts";
