import { Link } from 'react-router';
import { Page } from '../components/Page.tsx';

export default function NotFound() {
  return (
    <Page title="Page not found">
      <p>
        There is no console page here. <Link to="/">Go to the start page</Link>.
      </p>
    </Page>
  );
}
