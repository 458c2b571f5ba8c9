import { Dialog } from '../../components/Dialog';
import { AddModuleDialog } from './AddModuleDialog';
import { GenerateKeyDialog } from './GenerateKeyDialog';
import { LoginDialog } from './LoginDialog';
import { findToken } from './selectors';
import { useTokens } from './store';

/** The one dialog the Tokens screen may have open, if any. */
export function TokenDialogs() {
  const dialog = useTokens((s) => s.dialog);
  const snapshot = useTokens((s) => s.snapshot);
  const closeDialog = useTokens((s) => s.closeDialog);
  if (!dialog) return null;
  if (dialog.kind === 'add-module') return <AddModuleDialog onClose={closeDialog} />;

  const found = findToken(snapshot, dialog.tokenUri);
  if (!found) {
    return (
      <Dialog title={`${dialog.tokenLabel} is no longer connected`} onClose={closeDialog}>
        <p>The token was removed. Insert it again, then try again.</p>
        <div className="dialog-actions">
          <button type="button" onClick={closeDialog} data-autofocus>
            Close
          </button>
        </div>
      </Dialog>
    );
  }
  return dialog.kind === 'login' ? (
    <LoginDialog key={dialog.tokenUri} token={found.token} onClose={closeDialog} />
  ) : (
    <GenerateKeyDialog key={dialog.tokenUri} token={found.token} onClose={closeDialog} />
  );
}
