import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useSocket } from 'resocket/react';
import { expose, options, shown, target, url } from './page.js';

function Chat({ index }) {
  const [heard, setHeard] = useState(0);
  const { state, lastMessage, send } = useSocket(url, { ...options, onMessage: () => setHeard((count) => count + 1) });
  useEffect(() => {
    window.app.mounts += 1;
  }, []);
  return (
    <section className="chat" data-index={index}>
      <output className="state">{state}</output>
      <output className="last">{shown(lastMessage)}</output>
      <output className="heard">{heard}</output>
      <button className="send" onClick={() => send({ from: index })}>send</button>
    </section>
  );
}

let root;
expose({
  mount(count) {
    root = createRoot(target);
    root.render(
      <StrictMode>
        {Array.from({ length: count }, (_, index) => <Chat key={index} index={index} />)}
      </StrictMode>,
    );
  },
  unmount: () => root.unmount(),
});
