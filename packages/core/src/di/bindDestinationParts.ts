import type { ContainerModuleLoadOptions, Newable, ServiceIdentifier } from 'inversify';
import { resolvedPartToken, scopedToken } from './scopedToken.js';

/**
 * A part's default: a class the container builds (with its own @inject parameters), or an
 * object used as it is.
 */
export type PartDefaults = ReadonlyArray<readonly [token: ServiceIdentifier, fallback: Newable | object]>;

/**
 * Binds, for destination `name`, each part token's resolved form
 * ({@link resolvedPartToken}) to: the user's scoped binding if there is one, else the user's
 * global binding of the token, else `fallback`. Resolution happens when the destination is
 * built, after every module is loaded, so the order of modules does not matter and a user's
 * binding never clashes with a package's default.
 */
export function bindDestinationParts({ bind, isBound }: ContainerModuleLoadOptions, name: string, parts: PartDefaults): void {
  for (const [token, fallback] of parts) {
    const fallbackClass = typeof fallback === 'function' ? (fallback as Newable) : undefined;
    if (fallbackClass && !isBound(fallbackClass)) bind(fallbackClass).toSelf().inSingletonScope();
    bind(resolvedPartToken(token, name))
      .toDynamicValue(
        (context) =>
          context.get(scopedToken(token, name), { optional: true }) ??
          context.get(token, { optional: true }) ??
          (fallbackClass ? context.get(fallbackClass) : fallback),
      )
      .inSingletonScope();
  }
}
