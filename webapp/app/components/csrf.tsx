import { useRootData } from "~/root";

/** The session's CSRF token; every form that posts renders it. */
export function CsrfInput() {
  const { csrf } = useRootData();
  return <input type="hidden" name="csrf" value={csrf} />;
}
