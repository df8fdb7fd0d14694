import {
  type CSSVariablesResolver,
  createTheme,
  DEFAULT_THEME,
  darken,
  ModalHeader,
  type ModalHeaderProps,
} from '@mantine/core';

/**
 * Mantine's theme with text that meets WCAG AA contrast (4.5:1), as the accessibility e2e test
 * (axe-core) checks: Mantine's defaults fall short for dimmed text (gray 6: 3.3:1), filled
 * buttons and links in shade 6 (indigo 4.3:1, red 3.3:1), and text on light badges and alerts
 * (green 9 on green 1: 3.8:1, yellow 2.7:1).
 */
export const theme = createTheme({
  primaryColor: 'indigo',
  // Shade 8 carries white text at 4.5:1 or more for indigo, blue, red and the like.
  primaryShade: 8,
  // Filled colours too light for white text (green, yellow, orange, teal …) get dark text instead;
  // 0.179 is the luminance where white and black contrast equally.
  autoContrast: true,
  luminanceThreshold: 0.179,
  defaultRadius: 'sm',
  components: {
    // A modal's title bar is a <header> by default, which is a second banner landmark beside the
    // page's own (axe: landmark-no-duplicate-banner, landmark-unique); the dialog names itself
    // through its title already.
    ModalHeader: ModalHeader.extend({ defaultProps: { component: 'div' } as Partial<ModalHeaderProps> }),
  },
});

/** Text colours of the light scheme: dimmed text in gray 7, coloured and error text darker than shade 9. */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': DEFAULT_THEME.colors.gray[7],
    // Error messages and the text of an invalid field.
    '--mantine-color-error': darken(DEFAULT_THEME.colors.red[9], 0.3),
    ...Object.fromEntries(
      Object.entries(DEFAULT_THEME.colors).flatMap(([name, shades]) => {
        const text = darken(shades[9], 0.3);
        return [
          [`--mantine-color-${name}-light-color`, text],
          [`--mantine-color-${name}-text`, text],
        ];
      }),
    ),
  },
  dark: {},
});
