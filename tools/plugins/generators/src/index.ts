/** @customercare/nx-generators has no inference: its generators are listed in generators.json. */
export {};
