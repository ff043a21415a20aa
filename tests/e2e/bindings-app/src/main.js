// Opened as index.html?framework=react|vue|svelte&...: the page of that framework's binding
// (see page.js), each in a chunk of its own.
const pages = {
  react: () => import('./react.jsx'),
  vue: () => import('./vue.js'),
  svelte: () => import('./svelte.js'),
};
pages[new URLSearchParams(location.search).get('framework')]();
