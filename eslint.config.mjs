// Lint and format: Effect's own eslint plugin with the dprint settings the Effect
// repository uses (line width 120), TypeScript's recommended rules, imports first.
import * as effectEslint from "@effect/eslint-plugin"
import eslint from "@eslint/js"
import importX from "eslint-plugin-import-x"
import tseslint from "typescript-eslint"

export default tseslint.config(
  {
    ignores: ["**/dist", "**/node_modules", "action/dist", "coverage", ".vitest"]
  },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  ...effectEslint.configs.dprint,
  {
    // Plain Node scripts (the build, the Action's runner script): Node's globals.
    files: ["**/*.mjs", "**/*.cjs"],
    languageOptions: {
      globals: {
        process: "readonly",
        Buffer: "readonly",
        console: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        require: "readonly",
        module: "writable",
        __filename: "readonly",
        __dirname: "readonly"
      }
    }
  },
  {
    files: ["**/*.cjs"],
    rules: { "@typescript-eslint/no-require-imports": "off" }
  },
  {
    // TypeScript checks names itself.
    files: ["**/*.ts"],
    rules: { "no-undef": "off" }
  },
  {
    plugins: { "import-x": importX },
    rules: {
      "import-x/first": "error",
      "@typescript-eslint/no-unused-vars": ["error", {
        argsIgnorePattern: "^_",
        varsIgnorePattern: "^_",
        ignoreRestSiblings: true
      }],
      "@effect/dprint": [
        "error",
        {
          config: {
            indentWidth: 2,
            lineWidth: 120,
            semiColons: "asi",
            quoteStyle: "alwaysDouble",
            trailingCommas: "never",
            operatorPosition: "maintain",
            "arrowFunction.useParentheses": "force"
          }
        }
      ]
    }
  }
)
