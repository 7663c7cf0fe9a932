/**
 * A main-area view that follows the registry: when the registry changes, a view in sight
 * loads again now, and a hidden one (a background tab) when it is shown again, so that ten
 * open pages do not each ask the server on every event.
 */
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

export abstract class RefreshingView extends Widget {
  private stale = false;

  /** (Re)load the view from the server. */
  abstract load(): Promise<void>;

  /** The registry changed. */
  refresh(): void {
    if (this.isVisible) {
      void this.load();
    } else {
      this.stale = true;
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (this.stale) {
      this.stale = false;
      void this.load();
    }
  }
}
