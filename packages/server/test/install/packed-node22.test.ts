import { describePackedInstall } from "./packed.js";

describePackedInstall("22");
