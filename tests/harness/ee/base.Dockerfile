# Test harness only: the base image of the test execution environment, made
# from the Debian 12 image that build-images.sh makes with debootstrap (there
# is no registry here to pull an EE base image from). ansible-builder needs
# Python 3 with pip and venv; ssh is what its bindep file asks for anyway.
ARG FROM_IMAGE
FROM ${FROM_IMAGE}
COPY pkgmgr /usr/local/sbin/hd-ee-pkgmgr
RUN /usr/local/sbin/hd-ee-pkgmgr install -y python3-pip python3-venv openssh-client \
    && /usr/local/sbin/hd-ee-pkgmgr clean all
CMD ["/bin/bash"]
