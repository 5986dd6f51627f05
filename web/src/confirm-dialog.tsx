import { useEffect, useRef } from 'preact/hooks';

export interface Confirmation {
  title: string;
  detail: string;
  action: string;
  run: () => Promise<void>;
}

/** Every change to the signal or the config goes through this dialog: the request then carries confirm: true. */
export function ConfirmDialog({ confirmation, onClose }: { confirmation: Confirmation | null; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (confirmation && !dialog.current?.open) dialog.current?.showModal();
    if (!confirmation && dialog.current?.open) dialog.current.close();
  }, [confirmation]);
  return (
    <dialog ref={dialog} onClose={onClose} aria-labelledby="confirm-title">
      {confirmation && (
        <>
          <h2 id="confirm-title">{confirmation.title}</h2>
          <p>{confirmation.detail}</p>
          <div class="row">
            <button onClick={onClose}>Cancel</button>
            <button
              class="danger"
              onClick={async () => {
                onClose();
                await confirmation.run();
              }}
            >
              {confirmation.action}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
