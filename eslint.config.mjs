// Lint for the kiosk player and the console: plain browser scripts, no build step, ES2019 at most
// (Chromium 79 and old smart-TV browsers), so newer syntax is an error here.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["static/player/**/*.js"],
    ignores: ["static/player/sw.js"],
    languageOptions: {
      ecmaVersion: 2019,
      sourceType: "script",
      globals: {
        ...globals.browser,
        io: "readonly", // socket.io-client, loaded before the player's scripts
        qrcode: "readonly", // qrcode-generator, same
        Infotavle: "writable", // the player's own namespace, shared by its files
      },
    },
    rules: {
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  {
    files: ["static/player/sw.js"],
    languageOptions: {
      ecmaVersion: 2019,
      sourceType: "script",
      globals: { ...globals.serviceworker },
    },
    rules: {
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  {
    // The console: staff browsers are current, but it stays plain scripts without a build.
    files: ["static/console/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script",
      globals: {
        ...globals.browser,
        io: "readonly", // socket.io-client
        htmx: "readonly",
        Sortable: "readonly", // SortableJS, for drag-and-drop ordering
        SignageConsole: "readonly", // console.js: csrfToken(), socket
      },
    },
    rules: {
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  {
    // The public mirror: citizens' browsers of every age, so ES2019 as for the player.
    files: ["static/public/**/*.js"],
    languageOptions: {
      ecmaVersion: 2019,
      sourceType: "script",
      globals: {
        ...globals.browser,
        io: "readonly", // socket.io-client, loaded before the page's script
      },
    },
    rules: {
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
];
