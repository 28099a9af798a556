import type { Command } from "commander";
import { describeKey } from "../../keys/key-manager.js";
import { type GlobalOptions, withContext, withGlobals } from "../run.js";

/** `frontdesk keys list|rotate`. */
export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("signing keys");
  withGlobals(keys.command("list").description("list signing keys and their states")).action(
    (o: GlobalOptions) =>
      withContext(o, async (ctx, out) => {
        const list = (await ctx.keys.list()).map(describeKey);
        out.result({ keys: list }, () =>
          list
            .map(
              (k) =>
                `${k.kid}  ${k.alg}  ${k.state.padEnd(7)}  created ${new Date(k.created_at * 1000).toISOString()}`,
            )
            .join("\n"),
        );
      }),
  );
  withGlobals(
    keys.command("rotate").description("activate the next key, retire the active one, create a new next key"),
  ).action((o: GlobalOptions) =>
    withContext(o, async (ctx, out) => {
      const result = await ctx.keys.rotate();
      out.result(
        result,
        () => `active: ${result.activated}\nretired: ${result.retired ?? "-"}\nnext: ${result.next}`,
      );
    }),
  );
}
