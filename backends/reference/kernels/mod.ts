/** Registers every reference kernel. @module */
import "./source.ts";
import "./elementwise.ts";
import "./reduce.ts";
import "./movement.ts";
