// ESLint over every workspace (pipeline, webapp, ci): typescript-eslint's
// recommended set plus the type-aware rules that catch real bugs. Why these and
// not the whole `recommendedTypeChecked` set: docs/decisions/090-lint-and-format.md.
// Run through `npm run lint` (cached) or `npm run format` (fixes what it can).
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  {
    // dags/ is Python (ruff); astro/ is the Airflow image's context, Python too.
    ignores: ["**/node_modules/", "**/dist/", "**/build/", "**/coverage/", ".cache/", ".tools/", ".data/", "astro/", "dags/"],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // Each file is typed by its workspace's tsconfig.json; the two plain JS
        // files belong to no project and get a default one.
        projectService: { allowDefaultProject: ["eslint.config.js", "pipeline/bin/*.js"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `_name` marks a deliberately unused binding (a destructured-away field, an interface's argument).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // A promise nobody awaits loses its rejection; one passed where a void callback is expected too.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      // Returning a promise un-awaited from a try block skips its catch and finally.
      "@typescript-eslint/return-await": ["error", "in-try-catch"],
      // A new member of a union must not fall silently through a switch that has no default.
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      // "[object Object]" in a message, a CSV cell or a form value.
      "@typescript-eslint/no-base-to-string": "error",
      "@typescript-eslint/restrict-plus-operands": "error",
      // A method passed as a callback loses its `this`.
      "@typescript-eslint/unbound-method": "error",
      "@typescript-eslint/no-for-in-array": "error",
      "@typescript-eslint/no-array-delete": "error",
      "@typescript-eslint/no-implied-eval": "error",
      eqeqeq: ["error", "smart"],
    },
  },
  {
    // Only the two classic hook rules: the plugin's v7 "recommended" adds the React
    // Compiler's rules, which flag the standard hydration idiom (setState in an effect).
    files: ["webapp/**/*.tsx"],
    plugins: { "react-hooks": reactHooks },
    rules: { "react-hooks/rules-of-hooks": "error", "react-hooks/exhaustive-deps": "error" },
  },
);
