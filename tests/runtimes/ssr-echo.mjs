// Runs the Vite SSR bundle's `echo` (ssr-entry.js) against the test server's ws: base in argv[2].
const { echo } = await import(new URL("./dist/ssr-entry.js", import.meta.url).href);
console.log(JSON.stringify({ echoed: await echo(`${process.argv[2]}/echo`, "from the server") }));
