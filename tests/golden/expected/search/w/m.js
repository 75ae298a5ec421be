(self.siteSearchData=self.siteSearchData||{})["w/m"]={"terms":"mari match matter messag model molecul molecular"};
