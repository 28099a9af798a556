import { memoryFastStore } from "../../src/storage/fast/memory.js";
import { fastStoreConformance } from "./fast-conformance.js";

// One process: the "other instance" is the same store.
fastStoreConformance("memory", { open: async () => memoryFastStore(), openPeer: async (first) => first });
