import type { ContainerModuleLoadOptions, Newable, ServiceIdentifier } from 'inversify';
import { resolvedPartToken, scopedToken } from './scopedToken.js';

/** A part's default: a class the container builds (with its own @inject parameters). */
export type PartDefaults = ReadonlyArray<readonly [token: ServiceIdentifier, fallback: Newable]>;

/**
 * Binds, for destination `name`, each part token's resolved form
 * ({@link resolvedPartToken}) to: the user's scoped binding if there is one, else the user's
 * global binding of the token, else `fallback`. Resolution happens when the destination is
 * built, after every module is loaded, so the order of modules does not matter and a user's
 * binding never clashes with a package's default.
 */
export function bindDestinationParts({ bind, isBound }: ContainerModuleLoadOptions, name: string, parts: PartDefaults): void {
  for (const [token, fallback] of parts) {
    if (!isBound(fallback)) bind(fallback).toSelf().inSingletonScope();
    bind(resolvedPartToken(token, name))
      .toDynamicValue(
        (context) => context.get(scopedToken(token, name), { optional: true }) ?? context.get(token, { optional: true }) ?? context.get(fallback),
      )
      .inSingletonScope();
  }
}
